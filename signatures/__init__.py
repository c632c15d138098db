"""Reading and judging the digital signatures in a PDF (pyHanko), against trust roots the caller
gives. Knows nothing of tasks or of the database: ``tasks`` stores what it finds."""
