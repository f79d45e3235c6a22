"""The one web server: Gradio UI, REST API and MCP on one port, behind one password; `qa serve` starts it."""
