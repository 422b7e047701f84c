
aliceinitial0shasta