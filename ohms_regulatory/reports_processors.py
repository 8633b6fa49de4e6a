"""The CNSS and DRC generators as processors of ``process_occupational_health_events``
(SPEC 4.3 flags ``--generate-cnss-reports`` / ``--generate-drc-reports``; ``--process-all``
and the health add-on's 02:00 job run them too). Imported by ``tasks`` at start."""
from ohms_health import processors


def _cnss(**options) -> int:
    from .services.reports import generate_cnss_reports

    return generate_cnss_reports(**options)


def _drc(**options) -> int:
    from .services.reports import generate_drc_reports

    return generate_drc_reports(**options)


def register() -> None:
    """Register both generators (idempotent: a second call replaces them)."""
    processors.register("generate-drc-reports", _drc, "ohms_regulatory",
                        processors.KNOWN_FLAGS["generate-drc-reports"][1])
    processors.register("generate-cnss-reports", _cnss, "ohms_regulatory",
                        processors.KNOWN_FLAGS["generate-cnss-reports"][1])


register()
