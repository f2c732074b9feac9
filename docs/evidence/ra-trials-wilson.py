from math import sqrt
def wilson(k,n,z=1.959964):
    p=k/n; d=1+z*z/n; c=(p+z*z/(2*n))/d; h=z*sqrt(p*(1-p)/n+z*z/(4*n*n))/d
    return 100*(c-h),100*(c+h)
rows=[
("SWEFOT MTX 3-4mo",395,[("ACR20",213),("ACR50",131),("ACR70",53),("EULAR good",136),("EULAR good+mod",297),("DAS28<2.6",90)]),
("AMBITION MTX wk24",284,[("ACR20",0.525),("ACR50",0.34),("ACR70",0.15),("DAS28<2.6",0.121)]),
("AMBITION TCZ8 wk24",286,[("ACR20",0.699),("ACR50",0.44),("ACR70",0.28),("DAS28<2.6",0.336)]),
("OPTION PBO+MTX",204,[("ACR20",54),("ACR50",0.11),("ACR70",0.02)]),
("OPTION TCZ4+MTX",213,[("ACR20",102),("ACR50",0.32),("ACR70",0.12)]),
("OPTION TCZ8+MTX",205,[("ACR20",120),("ACR50",0.44),("ACR70",0.22)]),
("LITHE PBO+MTX wk24",393,[("ACR20",0.27),("ACR50",0.10),("ACR70",0.02)]),
("LITHE TCZ4+MTX wk24",399,[("ACR20",0.51),("ACR50",0.25),("ACR70",0.11)]),
("LITHE TCZ8+MTX wk24",398,[("ACR20",0.56),("ACR50",0.32),("ACR70",0.13)]),
("RADIATE PBO+MTX",158,[("ACR20",0.101),("ACR50",0.04),("ACR70",0.01),("DAS28<2.6",0.016)]),
("RADIATE TCZ4+MTX",161,[("ACR20",0.304),("ACR50",0.17),("ACR70",0.05),("DAS28<2.6",0.076)]),
("RADIATE TCZ8+MTX",170,[("ACR20",0.50),("ACR50",0.29),("ACR70",0.12),("DAS28<2.6",0.301)]),
("ARMADA PBO+MTX",62,[("ACR20",9),("ACR50",5),("ACR70",3)]),
("ARMADA ADA20",69,[("ACR20",33),("ACR50",22)]),
("ARMADA ADA40",67,[("ACR20",45),("ACR50",37),("ACR70",18)]),
("ARMADA ADA80",73,[("ACR20",48),("ACR50",31),("ACR70",14)]),
("He2020 MSC mono m3 (completers)",30,[("ACR20",16),("ACR50",6),("ACR70",1)]),
]
for name,n,items in rows:
    out=[]
    for lab,v in items:
        k = v if isinstance(v,int) else round(v*n)
        lo,hi=wilson(k,n)
        out.append(f"{lab} {k}/{n}={100*k/n:.1f}% [{lo:.1f},{hi:.1f}]")
    print(name+": "+"; ".join(out))
