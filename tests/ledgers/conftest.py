import pytest

from ledgers.tasks import process_ledger_photo_task

from .factories import LedgerRequirementFactory

REPORT = {"responsibility": "局长负总责", "deployment": "城管发〔2024〕1号",
          "measures": "开展宣传12次", "data": "覆盖3000人次", "results": "群众满意"}


@pytest.fixture
def run_tasks(monkeypatch):
    """Photo processing runs for real, synchronously, when the transaction commits."""
    monkeypatch.setattr(process_ledger_photo_task, "delay", process_ledger_photo_task)


@pytest.fixture
def req_cg(city):
    return LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg)


@pytest.fixture
def req_zj(city):
    return LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.zj)
