print("raftrecord")
