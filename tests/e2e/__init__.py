"""The product as its users meet it: the HTTP API over real servers, the counter's pages
in Chromium, the API fuzzed from its own schema."""
