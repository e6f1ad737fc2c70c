"""Keep what was digitised: checksummed objects, the metadata database and its search."""
