
shasta