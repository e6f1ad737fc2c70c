"""What the tests, the benchmarks and the classifier's corpus build share: page and
document generators, hostile files, and harnesses that run the real services.

Not shipped with the product (it is not in the wheel or the image)."""
