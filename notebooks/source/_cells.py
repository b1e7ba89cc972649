"""Cell constructors shared by every notebook's source module."""

from nbformat.v4 import new_code_cell, new_markdown_cell


def md(text):
    return new_markdown_cell(text.strip())


def code(text):
    return new_code_cell(text.strip())
