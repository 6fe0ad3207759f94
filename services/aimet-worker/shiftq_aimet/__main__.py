"""``python -m shiftq_aimet``: run the AIMET worker (environment: KAFKA_BOOTSTRAP_SERVERS, SHIFTQ_ARTIFACTS_ROOT)."""
from .worker import main

main()
