
aliceinitial0alicealice 