# Many small allocations (the case memray's tracking costs most on): a dict of 600,000 short
# strings built and held, then dropped.
def build(n):
    return {i: "value-%d" % i for i in range(n)}  # SMALL


def main():
    table = build(600_000)
    print(len(table))


main()
