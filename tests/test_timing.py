"""The one interleaved timer: every function warmed up once, then run in turn, in the same order
or (``alternate``) reversed every other round; the CPU named."""
from lrfg_mmpose.timing import cpu_name, interleaved_times, median_ms


def test_interleaved_order_warm_up_and_alternation():
    for alternate, order in ((False, 'abcabcabc'), (True, 'abccbaabc')):
        calls = []
        fns = {name: (lambda n=name: calls.append(n)) for name in 'abc'}
        times = interleaved_times(fns, 3, alternate=alternate)
        assert ''.join(calls) == 'abc' + order  # one warm-up each, then 3 timed rounds
        assert {n: len(t) for n, t in times.items()} == dict(a=3, b=3, c=3)
        assert all(t >= 0 for ts in times.values() for t in ts)
    calls = []
    interleaved_times({name: (lambda n=name: calls.append(n)) for name in 'ab'}, 2, warmup=False)
    assert ''.join(calls) == 'abab'  # no warm-up: the caller ran them already


def test_median_in_ms_and_a_cpu_name():
    assert median_ms([0.001, 0.003, 0.002]) == 2.0
    assert isinstance(cpu_name(), str) and cpu_name()
