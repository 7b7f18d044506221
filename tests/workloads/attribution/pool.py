# A loky process pool (joblib): 2 exec'd workers, each holding 40 MiB at once in pool_work.py.
import shutil
import sys
import tempfile

from joblib import Parallel, delayed

sys.path.insert(0, __import__("os").path.dirname(__file__))
from pool_work import grow  # noqa: E402


def main():
    parent = [bytearray(1 << 20) for _ in range(20)]  # PARENT
    meeting = tempfile.mkdtemp()  # where the workers meet (pool_work.grow)
    print(Parallel(n_jobs=2)(delayed(grow)(40, meeting) for _ in range(4)), len(parent))
    shutil.rmtree(meeting)


main()
