"""A seed count ("3 seeds of each configuration"): seeds 0..N-1, from the CLI's --n-seeds and
the Train page's "Seeds per configuration", checked by the grid check like a seed list."""

from __future__ import annotations

import pytest

from core.cli import build_parser
from core.training import GridError
from core.training.validate import MAX_N_SEEDS, GridRequest, seeds_of_count, validate_grid

RUN = ["run", "--models", "idc_initial"]


def test_the_cli_parses_a_count_and_refuses_it_beside_a_list(capsys):
    args = build_parser().parse_args([*RUN, "--n-seeds", "3"])
    assert args.n_seeds == 3 and args.seeds == [0]  # the list's default, replaced by the count
    assert build_parser().parse_args(RUN).n_seeds is None
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([*RUN, "--seeds", "0,1", "--n-seeds", "3"])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_count_is_seeds_zero_to_n_minus_one_of_every_configuration():
    assert seeds_of_count(3) == (0, 1, 2)
    specs = validate_grid(GridRequest(("demo",), ("idc_initial",), ("none", "class_weight"),
                                      seeds=(7,), n_seeds=3), check_data=False)
    assert sorted((s.strategy, s.seed) for s in specs) == [
        ("class_weight", 0), ("class_weight", 1), ("class_weight", 2),
        ("none", 0), ("none", 1), ("none", 2)]


@pytest.mark.parametrize("count", [0, -2, MAX_N_SEEDS + 1, 2.5, True])
def test_a_bad_count_is_one_problem_in_the_fields_words(count):
    with pytest.raises(GridError) as info:
        validate_grid(GridRequest(("demo",), ("idc_initial",), n_seeds=count),
                      check_data=False)
    assert info.value.problems == [
        f"the seed count must be a whole number from 1 to {MAX_N_SEEDS} "
        f"(Seeds per configuration, --n-seeds); got {count}"]


def test_the_cli_reports_a_bad_count_before_any_work(capsys):
    from core.cli import main

    assert main([*RUN, "--datasets", "demo", "--n-seeds", "0"]) == 2
    err = capsys.readouterr().err
    assert "the seed count must be a whole number from 1 to" in err and "--n-seeds" in err
