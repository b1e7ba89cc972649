"""One module per notebook: each defines NAME (the .ipynb file) and CELLS."""
