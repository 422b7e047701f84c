
shastaalicealicealice ê(0