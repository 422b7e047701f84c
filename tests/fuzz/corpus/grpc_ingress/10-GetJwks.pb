

shasta