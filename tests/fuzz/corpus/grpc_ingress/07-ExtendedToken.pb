
shasta