"""Wiring is per app: two apps built in one process have the same connections and
neither sees the other's."""

from miniapp_api import signals
from miniapp_api.users import personal_data

SIGNALS = (
    signals.points_awarded,
    signals.membership_changed,
    signals.zone_tree_changed,
    signals.quiz_finished,
)


def receivers(app) -> dict[str, list[str]]:
    return {
        signal.name: sorted(receiver.__qualname__ for receiver in signal.receivers_for(app))
        for signal in SIGNALS
    }


def sections(app) -> list[str]:
    with app.app_context():
        return [part.section for part in personal_data.parts()]


def test_two_apps_have_identical_independent_wiring(app_factory):
    first = app_factory()
    second = app_factory()
    assert receivers(first) == receivers(second)
    assert all(receivers(first).values()), receivers(first)
    assert sections(first) == sections(second)
    assert first.extensions["api"] is not second.extensions["api"]
    third = app_factory()
    # Building more apps adds nothing to the first one's wiring.
    assert receivers(first) == receivers(third) == receivers(second)
    assert all(len(names) == 1 for names in receivers(first).values())


def test_a_signal_reaches_only_its_own_apps_receivers(app_factory):
    first = app_factory()
    second = app_factory()
    heard: list[str] = []

    def listener(app, **_kwargs) -> None:
        heard.append(app.name if app is first else "second")

    signals.quiz_finished.connect(listener, sender=second)
    with first.app_context():
        signals.quiz_finished.send(first, user_id=0, session_id="x")  # no such enrollment
    assert heard == []
    with second.app_context():
        signals.announce(signals.quiz_finished, user_id=0, session_id="x")
    assert heard == ["second"]
