"""svodka stage."""
