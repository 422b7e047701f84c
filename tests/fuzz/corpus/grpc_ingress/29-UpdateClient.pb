
shastaalice 