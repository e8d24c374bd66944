import TraceFormat

/// Carrying out the fault schedule. Every change to the environment is recorded as an event,
/// so the analyzer can shade the periods a fault was in force.
extension Simulator {
    func resolve(_ s: NodeSelector) -> Int? {
        switch s {
        case .node(let id):
            let i = Int(id.rawValue) - 1
            return nodes.indices.contains(i) ? i : nil
        case .leader:
            return currentLeader ?? knownLeader
        case .follower(let k):
            let followers = followersNow?.time == now ? followersNow!.nodes : runningFollowers
            return followers.indices.contains(k) ? followers[k] : nil
        case .crashed:
            return crashOrder.last { !nodes[$0].up }
        }
    }

    private var runningFollowers: [Int] {
        let leader = currentLeader
        return nodes.indices.filter { $0 != leader && nodes[$0].up }
    }

    private func links(_ a: Int, _ b: Int, oneWay: Bool = false) -> [DirectedLink] {
        let l = DirectedLink(from: ids[a], to: ids[b])
        return oneWay ? [l] : [l, DirectedLink(from: ids[b], to: ids[a])]
    }

    private mutating func cut(_ links: [DirectedLink]) throws {
        let changed = network.cutLinks(links)
        for l in changed { try record(nil, .linkCut(l)) }
    }

    private mutating func heal(_ links: [DirectedLink]) throws {
        let changed = network.heal(links)
        for l in changed { try record(nil, .linkHealed(l)) }
    }

    /// Carries out entry `index` of the fault schedule, noting it in `statistics.faultsIgnored`
    /// if it did nothing.
    mutating func apply(fault index: Int) throws {
        if followersNow?.time != now { followersNow = (now, runningFollowers) }
        if try !perform(fault: index) { statistics.faultsIgnored.append(index) }
    }

    /// Carries out entry `index` of the fault schedule; false if it did nothing.
    private mutating func perform(fault index: Int) throws -> Bool {
        switch configuration.faults[index].action {
        case .partition(let groups):
            var resolved: [[Int]] = []
            for group in groups { resolved.append(group.compactMap { resolve($0) }) }
            var links: [DirectedLink] = []
            for (g, group) in resolved.enumerated() {
                for (h, other) in resolved.enumerated() where g != h {
                    for a in group { for b in other { links += self.links(a, b, oneWay: true) } }
                }
            }
            try cut(links)
        case .isolate(let s):
            guard let n = resolve(s) else { return false }
            try cut(nodes.indices.filter { $0 != n }.flatMap { links(n, $0) })
        case .cut(let a, let b, let oneWay):
            guard let x = resolve(a), let y = resolve(b), x != y else { return false }
            try cut(links(x, y, oneWay: oneWay))
        case .healAll:
            try heal(network.cutLinks)
        case .flap(let a, let b, let period, let until):
            guard let x = resolve(a), let y = resolve(b), x != y else { return false }
            let l = links(x, y)
            flaps.append(Flap(links: (l[0], l[1]), cut: true, period: period, until: until))
            try flap(flaps.count - 1)
        case .crash(let s):
            guard let n = resolve(s) else { return false }
            try crash(n)
        case .crashLeaderAfterHeartbeat:
            crashAfterHeartbeat = true
        case .restart(let s):
            guard let n = resolve(s), !nodes[n].up else { return false }
            try start(n, restart: true)
        case .pause(let s, let duration):
            guard let n = resolve(s) else { return false }
            try pause(n, for: duration)
        case .drift(let s, let ppm):
            guard let n = resolve(s) else { return false }
            nodes[n].clock.setDrift(ppm, at: now)
            try record(nil, .clockDriftSet(target: ids[n], ppm: ppm))
        case .degrade(let a, let b, let loss, let extra):
            guard let x = resolve(a), let y = resolve(b), x != y else { return false }
            for l in links(x, y) {
                network.degrade(l, loss: loss, extra: extra)
                try record(nil, .linkDegraded(link: l, lossPPM: UInt32(min(1, max(0, loss)) * 1e6), extraLatency: extra))
            }
        case .label:
            try record(nil, .label(fault: UInt32(index)))
        case .transfer(let s):
            guard let target = resolve(s), let l = currentLeader, l != target else { return false }
            try transferLeadership(from: l, to: target)
        case .stop(let s):
            guard let n = resolve(s), nodes[n].up else { return false }
            // Running voters, as the leader counts them.
            let followers = nodes.indices.filter { $0 != n && nodes[$0].up && nodes[n].raft.isVoter(ids[$0]) }
            if nodes[n].raft.role == .leader,
               let target = followers.max(by: { nodes[$0].raft.log.lastIndex < nodes[$1].raft.log.lastIndex }) {
                nodes[n].stopFor = ids[target]
                try transferLeadership(from: n, to: target)
                schedule(at: now + timing.electionTimeoutMin, .stopWaitEnded(n))
            } else {
                try crash(n)
            }
        case .removeMember(let s):
            return try changeMembership(.remove, s, fault: index)
        case .addMember(let s):
            return try changeMembership(.addVoter, s, fault: index)
        case .addLearner(let s):
            return try changeMembership(.addLearner, s, fault: index)
        }
        return true
    }

    /// Has the current leader propose a membership change. As an operator retries `etcdctl member
    /// add` that failed for want of a leader, fault `fault` is tried again every heartbeat interval
    /// while no leader takes it (none, a paused one, one handing leadership over, or one with a
    /// change of its own not yet committed); dropped if the change would change nothing.
    /// Adding a learner as a voter promotes it, once it has caught up (etcd refuses `member
    /// promote` until then; the fault is tried again). With `features.learners`, adding a server
    /// that is neither adds it as a learner, and the fault goes on to promote it.
    /// False if it did nothing: its node could not be named, or it would change nothing.
    private mutating func changeMembership(_ kind: MembershipChange, _ s: NodeSelector, fault: Int) throws -> Bool {
        guard let target = resolve(s) else { return false }
        let id = ids[target]
        if let l = currentLeader, nodes[l].pausedUntil == nil {
            var change = ConfigurationChange(kind, id)
            var promoteLater = false
            if kind == .addVoter, nodes[l].raft.isLearner(id) {
                guard nodes[l].raft.learnerIsReady(id) else {
                    schedule(at: now + timing.heartbeatInterval, .fault(fault))
                    return true
                }
            } else if kind == .addVoter, configuration.features.learners, !nodes[l].raft.isVoter(id) {
                change = ConfigurationChange(.addLearner, id)
                promoteLater = true
            }
            if !nodes[l].raft.changesMembership(change) { return false }
            if nodes[l].raft.proposeMembershipChange(change) != nil {
                try drain(l)
                if promoteLater { schedule(at: now + timing.heartbeatInterval, .fault(fault)) }
                return true
            }
        }
        schedule(at: now + timing.heartbeatInterval, .fault(fault))
        return true
    }

    /// Asks leader `l` to hand leadership to `target` (ignored while it is paused, as any input).
    private mutating func transferLeadership(from l: Int, to target: Int) throws {
        guard nodes[l].pausedUntil == nil else { return }
        nodes[l].raft.transferLeadership(to: ids[target], now: nodes[l].clock.local(now))
        try drain(l)
    }

    /// One half-period of `flaps[index]`: cuts or heals its links, then schedules the next.
    mutating func flap(_ index: Int) throws {
        let f = flaps[index]
        let pair = [f.links.0, f.links.1]
        guard now < f.until else {
            try heal(pair)
            return
        }
        if f.cut { try cut(pair) } else { try heal(pair) }
        flaps[index].cut.toggle()
        schedule(at: now + max(f.period / 2, 1_000), .flap(index))
    }
}
