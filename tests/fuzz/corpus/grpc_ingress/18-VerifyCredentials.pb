
alicealice