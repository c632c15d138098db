"""What every API view shares, whichever app it belongs to."""
