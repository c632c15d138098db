"""Spreadsheet import: a ministry's own list of its tasks comes in without being typed again
(docs/imports.md). Reads the file, names every row's problems, imports nothing until the user
confirms, and creates the tasks through the task services. Imports run imports -> tasks."""
