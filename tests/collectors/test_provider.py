"""The provider registry and interface."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qobserve.collectors import (
    BackendRef,
    BackendStatus,
    Provider,
    Usage,
    create_provider,
    provider_names,
    register_provider,
    unregister_provider,
)
from qobserve.collectors import provider as registry
from qobserve.collectors.fake import FakeProvider
from qobserve.exceptions import InputError


class Vendor:
    """A minimal third-party provider, written only against the documented interface."""

    name = "vendor"

    def __init__(self, region: str = "eu") -> None:
        self.region = region

    def backends(self) -> list[BackendRef]:
        return [BackendRef(f"vendor_{self.region}", provider=self.name, num_qubits=5)]

    def status(self, backend: BackendRef) -> BackendStatus:  # noqa: ARG002 - the Provider interface
        return BackendStatus(operational=True, pending_jobs=2)

    def calibration(self, backend: BackendRef) -> None:  # noqa: ARG002 - the Provider interface
        return None

    def usage(self) -> list[Usage]:
        return []


@pytest.fixture
def vendor() -> Iterator[None]:
    register_provider("vendor", Vendor)
    yield
    unregister_provider("vendor")


def test_builtin_providers_are_registered() -> None:
    assert {"fake", "ibm", "aer"} <= set(provider_names())
    assert isinstance(create_provider("fake"), FakeProvider)


def test_builtins_satisfy_the_protocol() -> None:
    for name in ("fake", "aer"):
        assert isinstance(create_provider(name), Provider)


def test_registered_provider_gets_its_options(vendor: None) -> None:
    p = create_provider("vendor", region="us")
    assert isinstance(p, Provider)
    assert [b.name for b in p.backends()] == ["vendor_us"]


def test_unknown_provider_is_an_input_error_listing_the_known_ones() -> None:
    with pytest.raises(InputError) as err:
        create_provider("nope")
    assert err.value.field == "--provider"
    assert "fake" in str(err.value) and "'nope'" in str(err.value)


def test_option_the_factory_does_not_take_is_an_input_error(vendor: None) -> None:
    with pytest.raises(InputError, match="colour") as err:
        create_provider("vendor", colour="red")
    assert err.value.field == "--provider-option"


def test_unregistering_a_builtin_restores_it() -> None:
    register_provider("fake", Vendor)
    try:
        assert isinstance(create_provider("fake"), Vendor)
    finally:
        unregister_provider("fake")
    assert isinstance(create_provider("fake"), FakeProvider)


def test_register_by_import_path(vendor: None) -> None:
    register_provider("vendor2", f"{__name__}:Vendor")
    try:
        assert isinstance(create_provider("vendor2"), Vendor)
    finally:
        unregister_provider("vendor2")


@pytest.mark.parametrize("name", ["", "has space", "semi;colon"])
def test_bad_provider_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        register_provider(name, Vendor)


def test_provider_from_an_installed_package_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real installed distribution (dist-info on sys.path), found by importlib.metadata.
    (tmp_path / "qo_vendor_pkg.py").write_text(
        "from qobserve.collectors import BackendRef\n"
        "class P:\n"
        "    name = 'plugged'\n"
        "    def backends(self):\n"
        "        return [BackendRef('plugged_1', provider='plugged')]\n"
    )
    dist = tmp_path / "qo_vendor_pkg-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: qo-vendor-pkg\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[qobserve.providers]\nplugged = qo_vendor_pkg:P\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_entry_points_loaded", False)
    try:
        assert "plugged" in provider_names()
        assert create_provider("plugged").backends()[0].name == "plugged_1"
    finally:
        unregister_provider("plugged")
        sys.modules.pop("qo_vendor_pkg", None)
