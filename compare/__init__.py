"""Copy against original ("bản sao đúng với bản chính"?): the engine that compares
two pages (``engine``), the officer's PDF report (``report``), and the service
that runs it on stored documents and records the result (``service``)."""
