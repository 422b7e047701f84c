
 0123456789abcdef0123456789abcdefalicealice