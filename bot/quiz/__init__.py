"""每日答题: the question bank, answer parsing, daily selection, Excel import/export."""
