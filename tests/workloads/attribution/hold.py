# A peak from one known line: `load` holds 150 MiB (the line marked below), `main` 10 MiB.
def load():
    return [bytearray(1 << 20) for _ in range(150)]  # KNOWN


def main():
    small = [bytearray(1 << 20) for _ in range(10)]
    data = load()
    print(len(data), len(small))


main()
