
shasta