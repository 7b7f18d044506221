"""stdlib: a memoised parser whose cache fills, then plateaus (LRU bound), over ~9 s."""
import functools, json, random, time
@functools.lru_cache(maxsize=20_000)
def parse(key):
    return json.loads(json.dumps({"k": key, "v": [key * j for j in range(40)]}))
random.seed(1)
start = time.monotonic()
n = 0
while time.monotonic() - start < 9.0:
    parse(random.randrange(60_000))
    n += 1
print(n)
