"""bench.settings for the 随手拍 load test: every request comes from one loopback address and
one client, so the per-address, per-device and challenge limits (tested in
tests/civic/test_public_pages.py) are lifted; everything else a submission does stays."""

from bench.settings import *  # noqa: F403

CIVIC_RATE_PER_ADDRESS = CIVIC_RATE_PER_DEVICE = CIVIC_CHALLENGE_AFTER = 10**9
