"""The Gradio chat UI and its Collection tab: layout, rendering to escaped HTML, styles and scripts."""
