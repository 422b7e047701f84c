
shastaalicealice