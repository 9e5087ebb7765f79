/// What the fast scanner keeps from one line of a stream to the next: the keys' order (`KeyOrder`) and the
/// last date it read. Neither changes what a line means, only how fast it is read.
public final class LineMemory {
    let keys = KeyOrder()
    var day = Timestamp.RecentDay()

    public init() {}
}
