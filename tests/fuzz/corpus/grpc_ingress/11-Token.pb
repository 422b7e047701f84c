
shastapasswordalice"initial0*Vsts-rt-v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2openid profile:shastaBs3cret-s3cret-s3cret