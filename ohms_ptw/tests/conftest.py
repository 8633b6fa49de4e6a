import pytest

from ohms_core import providers

from .factories import PtwWorld


@pytest.fixture
def w(db):
    """The default world: gas testing, structured isolation and de-isolation on, a closeout template."""
    return PtwWorld()


@pytest.fixture
def plain(db):
    """A world whose permit type needs no gas and no structured isolation (other gates only)."""
    return PtwWorld(code="PLN", requires_gas_testing=False, requires_structured_isolation=False,
                    requires_deisolation_on_closeout=False)


@pytest.fixture
def worker_checks():
    """Register worker checks for one test; always unregistered afterwards."""
    names = []

    def register(name, check):
        names.append(name)
        providers.register_worker_check(name, check)

    yield register
    for name in names:
        providers.unregister_worker_check(name)
