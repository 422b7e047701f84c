
aliceê