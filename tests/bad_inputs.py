"""Bad input files shared by the CLI and upload tests: name -> (bytes, words the message
must contain)."""

BAD_FILES = {
    "empty.csv": (b"", "is empty"),
    "header_only.csv": (b"a,b,c\n", "no data rows"),
    "ragged.csv": (b"a,b\n1,2\n3,4,5\n", "line 3"),
    "duplicate_names.csv": (b"a,a\n1,2\n", "'a'"),
    "blank_name.csv": (b"a,,c\n1,2,3\n", "column 2"),
    "quote.csv": (b'a,b\n1,"open\n2,3\n', "quote"),
    "bad.jsonl": (b'{"a": 1}\n{"a": \n', "line 2"),
    "fake.parquet": (b"not parquet at all", "fake.parquet"),
    "fake.xlsx": (b"not a workbook", "fake.xlsx"),
}
