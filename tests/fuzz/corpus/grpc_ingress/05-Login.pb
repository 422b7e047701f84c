
aliceinitial0