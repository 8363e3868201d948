/// One candidate merge of the symbol at `position` with its right neighbour.
struct PendingMerge {
    var rank: Int32
    var position: Int32
    var newID: Int32

    /// Lowest rank first; on equal rank the leftmost position, as `tokenizers` orders them.
    @inline(__always)
    func precedes(_ other: PendingMerge) -> Bool {
        rank < other.rank || (rank == other.rank && position < other.position)
    }
}

/// A binary min-heap of pending merges.
struct MergeQueue {
    private var heap: [PendingMerge] = []

    init(capacity: Int) {
        heap.reserveCapacity(capacity)
    }

    mutating func push(_ merge: PendingMerge) {
        heap.append(merge)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> PendingMerge? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return first }
        heap[0] = last
        var parent = 0
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < count && heap[left].precedes(heap[smallest]) { smallest = left }
            if right < count && heap[right].precedes(heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
