"""Writes the pandas HDFStore fixtures of HDF5ReaderTests (pandas 3.x with PyTables 3.11; run from this
folder): the same three-row frame in pandas' "fixed" format, its "table" format, and the "table" format
with data_columns=True (one field per column, which Labbook reads; the others pack columns into blocks
whose names pandas keeps pickled). Compressed, so they stay small."""
import numpy as np
import pandas as pd

frame = pd.DataFrame({"x": [1.5, 2.5, np.nan], "n": [1, 2, 3], "s": ["a", "b", "a"]})
options = dict(key="df", mode="w", complib="zlib", complevel=9)
frame.to_hdf("pandas/fixed.h5", **options)
frame.to_hdf("pandas/table.h5", format="table", **options)
frame.to_hdf("pandas/table_data_columns.h5", format="table", data_columns=True, **options)
