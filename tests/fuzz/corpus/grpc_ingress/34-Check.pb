"
alice