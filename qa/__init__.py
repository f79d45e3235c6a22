"""qa: answers questions about a collection of articles with cited, verbatim excerpts."""
from .environment import go_offline

go_offline()  # before transformers, huggingface_hub or gradio are imported anywhere

__version__ = "0.1.0"
