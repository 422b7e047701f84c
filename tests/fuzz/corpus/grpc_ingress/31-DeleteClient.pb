
shasta