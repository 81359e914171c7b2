namespace Sta.MLNet;

/// <summary>Which of the mutually exclusive colour transforms of the augmentation a clip gets.</summary>
internal enum ColorJitterKind
{
    None = 0,
    BrightnessContrast = 1,
    FancyPca = 2,
    HueSaturationValue = 3,
}
