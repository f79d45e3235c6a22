"""Embed texts: the all-MiniLM-L6-v2 model (torch or int8 ONNX), one vector per passage and per sentence."""
