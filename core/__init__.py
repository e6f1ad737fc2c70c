"""The bottom layer: settings read from the environment and rules on plain values
(Vietnamese text, host allow-lists). It imports nothing else of the project."""
