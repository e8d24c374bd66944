/// A list a node appends its output to and its driver empties after each step. Emptying only
/// resets a count: the storage and its capacity stay, and a slot's old element is replaced when
/// the slot is next written. (An `Array` emptied with `removeAll(keepingCapacity:)` after every
/// step costs more than the step's own appends.)
public struct OutputList<Element>: RandomAccessCollection {
    private var storage: [Element] = []
    public private(set) var endIndex = 0

    public init() {}

    public var startIndex: Int { 0 }

    public subscript(position: Int) -> Element {
        _read {
            precondition(position < endIndex, "OutputList index out of range")
            yield storage[position]
        }
    }

    @inline(__always)
    public mutating func append(_ element: consuming Element) {
        if endIndex < storage.count {
            storage[endIndex] = element
        } else {
            storage.append(element)
        }
        endIndex += 1
    }

    /// Empties the list, keeping its storage.
    public mutating func removeAll() { endIndex = 0 }
}

extension OutputList: Sendable where Element: Sendable {}
