# The workloads of the cgroup v2 proof (arguments of alloc.c), shared by both boots.
WORK="-m 160 -t 800"                  # one process, 160 MiB held 0.8 s
POOL="-m 16 -w 3 -W 24 -s 96 -t 1500" # 3 forked workers sharing 96 MiB, held 1.5 s
LONG="-m 64 -t 60000"                 # ended by --timeout or SIGINT
