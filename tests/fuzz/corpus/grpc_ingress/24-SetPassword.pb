
 0123456789abcdef0123456789abcdefinitial0alice