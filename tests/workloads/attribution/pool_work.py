# What each worker of pool.py runs: in a module of its own, so that loky's exec'd workers import
# it by name (a function of __main__ would travel pickled by value, its file unknown).
def grow(n):
    keep = [bytearray(1 << 20) for _ in range(n)]  # WORKER
    return len(keep)
